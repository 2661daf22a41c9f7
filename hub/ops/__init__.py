"""What ops can see and do, as plain functions: the CLI, the HTTP API and the dashboard all call
these, so a fix or a filter added here is the same everywhere."""
