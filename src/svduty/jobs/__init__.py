"""Background jobs: one way to run long work (imports, analyses, documents) with progress.

Work is registered as a *handler* by kind; ``start_job`` records a ``Job`` and either runs it now
(the CLI, which shows progress) or enqueues it through django-tasks (database queue by default,
Redis/RQ in production). Handlers report progress through the ``Progress`` they are given.
"""
