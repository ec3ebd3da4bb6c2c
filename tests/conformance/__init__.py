"""Third-party conformance material (../shared/corpus), read at run time, never copied."""
