"""The durable inbox: group-committed appends, claimed in order by the pipeline."""
