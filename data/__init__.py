"""Package data: the asset registry (assets.tsv) and photo credits (credits.tsv)."""
