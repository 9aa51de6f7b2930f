"""The api service: REST (Flask), policy, the database and the conductor RPC endpoint."""
