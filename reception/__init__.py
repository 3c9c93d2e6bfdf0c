"""Reception: the walk-in visits the coordination team receives and the enquiry calls it
handles; counts and durations for the ministry's figures, any note sealed."""
