"""The organizer lifecycle: clients, sending, notifications, reminders, states and export."""
