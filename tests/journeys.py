"""The app's flow, built from its capabilities as create_app builds it (no app needed):
screen tests render journeys with it."""
from app import CAPABILITIES
from core.capability import Registry

REGISTRY = Registry.load(CAPABILITIES).validate()
FLOW = REGISTRY.flow
