"""What every app of tcloud stands on."""
