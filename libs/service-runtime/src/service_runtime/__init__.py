"""What every feedback-intelligence service repeats, in one place."""
