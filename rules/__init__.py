"""runback's coaching logic: pure functions and value objects, no IO.

Allowed imports: the standard library, pandas and numpy. Never sync, sqlalchemy,
fitparse, garminconnect, apscheduler or requests (a test checks this).
"""
