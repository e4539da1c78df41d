"""The citizen queue's windows: ticket kiosk, the desk's calling panel, the waiting-room display."""
