"""Long work as jobs: start at once, report progress as events, can be cancelled."""
