"""The signed-in web app's shell: layout, navigation by role, the dashboard, error pages."""
