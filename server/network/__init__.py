"""Every outgoing connection of the app: where it may go (offline mode) and the clients that go there."""
