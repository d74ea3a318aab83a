"""Outlet inspections and mystery shopping (检查巡视, 暗访), checklists and rectification orders (整改)."""
