"""Reports: parsed metrics, the TOPS/W comparison, technology scaling, run comparison."""
