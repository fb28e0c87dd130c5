# A sample in the layout of MCP-Atlas's Harbor bundles (services/mcp_eval/convert_tasks_to_harbor.py): the
# converter writes the task's rubrics here as CRITERIA (json.dumps) with an LLM-judge verifier around them.
# Switchyard reads CRITERIA as the task's claims and scores them itself; this file is not run.
CRITERIA = [
  {
    "id": "c1",
    "title": "The Platform team has 7 people.",
    "weight": 1,
    "required": true
  },
  {
    "id": "c2",
    "title": "The Data team has 5 people.",
    "weight": 1,
    "required": true
  },
  {
    "id": "c3",
    "title": "Together the two teams have 12 people.",
    "weight": 1,
    "required": null
  }
]

AGENT_PROMPT = 'How many people work on the Platform and Data teams together? Look both teams up.'
