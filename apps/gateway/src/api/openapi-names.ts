/** Names shared by the OpenAPI set-up (api-docs.ts) and the controller's decorators, so they always match. */
export const API_SECURITY = { token: 'apiToken', session: 'sessionCookie' } as const;

export const API_TAGS = { prompts: 'prompts', moderation: 'moderation', members: 'members' } as const;
