"""The business of Huibian in plain Python: no request globals, the actor passed in."""
