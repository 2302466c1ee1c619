"""Pure functions of (rule base, answers, date): the interview's next question, answers -> plan,
check-in -> decision, what a plan announces, a session's steps, and validate's checks that run
the rules."""
