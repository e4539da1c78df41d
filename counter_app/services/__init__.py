"""Use cases of the counter: each takes a Session and never commits (the caller owns the transaction)."""
