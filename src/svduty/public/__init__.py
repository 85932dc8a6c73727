"""The public site, without signing in. It only ever reads disclosure-controlled outputs."""
