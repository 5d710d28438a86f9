"""Assets, one per module, in one folder per medallion layer: bronze, silver, gold."""
