"""Two digit domains: multi-task classification and a joint embedding by triplet loss."""
