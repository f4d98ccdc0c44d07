"""Decision analysis on top of the priced options: TCO and NPV, recommendation, break-even,
sensitivity and uncertainty."""
