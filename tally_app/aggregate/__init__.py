"""The supervisor's receiving station (DESIGN §11): verify many bundles, sum what may be
summed, and say exactly what was not and why."""
