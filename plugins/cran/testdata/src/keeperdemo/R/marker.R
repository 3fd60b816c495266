marker <- function() "keeperdemo 1.0.0"
