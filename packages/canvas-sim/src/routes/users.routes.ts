import { json } from '../http/answer.js';
import { unauthorizedAction } from '../http/canvas-errors.js';
import type { CanvasRoute } from '../http/route-context.js';

/** GET /api/v1/users/self (or the caller's own id): the "test connection" call. */
export const showUserRoute: CanvasRoute = (ctx) => {
  const { user } = ctx;
  const id = ctx.params['id'] ?? 'self';
  if (id !== 'self' && id !== String(user.id)) return unauthorizedAction();
  const [first = user.name, ...rest] = user.name.split(' ');
  return json(
    {
      id: user.id,
      name: user.name,
      created_at: user.createdAt,
      sortable_name: user.sortableName,
      short_name: user.shortName,
      avatar_url: `${ctx.world.baseUrl}/images/messages/avatar-50.png`,
      last_name: rest.join(' '),
      first_name: first,
      locale: null,
      effective_locale: 'en',
      permissions: { can_update_name: true, can_update_avatar: false, limit_parent_app_web_access: false },
    },
    1,
  );
};
