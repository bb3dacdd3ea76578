"""What every chat adapter shares: the command grammar and the link to the actors."""
