"""The engine program: pairs with a server, dials its websocket, runs work.

It imports nothing of the server but `tcloud.engine` itself and, for
declarative plans, `tcloud.runtime`, so it can ship and run on its own.
"""
