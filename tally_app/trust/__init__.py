"""Trust (DESIGN §9): the county CA, device identities, detached CMS signatures, passphrases."""
