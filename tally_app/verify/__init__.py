"""Checking results bundles that arrive on a drive: anyone's, trusted by nothing but proof.

`references` and `arithmetic` check a NIST results document; `bundle_check` checks a whole
bundle folder (files, manifest, signatures); `discover` finds bundles under the paths given.
"""
