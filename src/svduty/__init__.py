"""svduty: software for delivering the Serious Violence Duty."""
