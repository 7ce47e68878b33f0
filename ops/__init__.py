"""Running the service: shipped content at upgrade, `flask doctor`, the gateway balance."""
