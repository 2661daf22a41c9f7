"""One router per resource; each handler calls a service function and shapes its answer."""
