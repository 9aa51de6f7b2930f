"""The api service's scheduler: filter the compute nodes, weigh them, claim on the best."""
