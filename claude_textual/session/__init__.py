"""The app's use-cases without Textual: what a screen asks for and the typed results it applies.

Every method that reads or writes the history is ``async`` and runs its store calls in a worker
thread (``asyncio.to_thread``): nothing here ever touches the database on the event loop, so a
slow or locked database holds up only the use-case that waits for it, never the screen.
"""
