"""Package data: the asset registry (assets.tsv), its archive sources (archives.tsv) and photo credits (credits.tsv)."""
