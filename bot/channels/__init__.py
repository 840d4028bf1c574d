"""Channel edges: verify, decrypt and parse requests into `Inbound`; render and encrypt `Reply` values."""
