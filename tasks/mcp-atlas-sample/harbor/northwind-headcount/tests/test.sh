#!/bin/bash
uv run /tests/agent_judge.py
