"""The bottom layer every package may import: the clock, the UTC timestamp column, the
foundation tables (centres, devices, staff accounts) and the one SQLAlchemy ``MetaData`` that
every package's tables join. It imports nothing of Majlis.
"""
