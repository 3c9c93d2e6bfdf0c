"""The aiortc media server: forwards encoded media between a room's participants."""
