"""Gateway adapters: the only code that knows a PSP's wire format. Start at `registry.get_gateway`."""
