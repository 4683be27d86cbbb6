import { SignatureWidget } from './SignatureWidget';
import { WebhookConsole } from './WebhookConsole';

/** The widgets lessons/webhooks/lesson.mdx uses. */
export const webhooksWidgets = { WebhookConsole, SignatureWidget };
