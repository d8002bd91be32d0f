"""The Supervisor window (DESIGN §11): verify many precinct bundles, add them up, certify.

At the receiving station a supervisor opens a drive or folder of bundles, the county's CA
certificate and the election; the core (``service.aggregate``) verifies every bundle in a
worker thread while a progress bar moves; the window then shows each precinct's state,
the bundles refused with their reasons, the conflicts, the totals, and prints or saves the
signed certification sheet. Nothing here counts or checks anything itself.
"""
