"""The operator dashboard at ``/dashboard``: a live instance table, timelines and actions.

``feed`` brings instance changes (every committed task_state CAS of any api process, and
the versioned notifications on the bus) into this process's ``hub``; ``handlers`` serve the
page, its JSON and a server-sent-events stream; ``permissions`` greys out the buttons.
"""
