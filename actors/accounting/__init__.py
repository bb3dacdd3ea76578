"""What the user's money did: what one fill moves, the cost of what they hold and the
profit or loss of what they sold, in rupiah. Pure calculations over an account's history."""
