// Test fixture: the smallest entry point, so that infra tests do not depend on functions/*.
export const handler = async (): Promise<{ ok: true }> => ({ ok: true });
