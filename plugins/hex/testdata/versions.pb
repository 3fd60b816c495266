

mydep1.0.01.1.0

other2.0.0hexrepo