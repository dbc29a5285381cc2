"""公示 disclosure: publicity windows before payment, the paid roster after, masked for the public."""
