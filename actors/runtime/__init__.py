"""Starting, sealing, watching and stopping the actor system itself."""
