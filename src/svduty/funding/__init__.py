"""Grant funding: Home Office grants received, spend profiles, claims, funded posts and
interventions, calls for proposals, and open data (360Giving, spend over £500)."""
