import { AuditEventEntity } from '../auth/audit-event.entity';
import { UserTokenEntity } from '../auth/user-token.entity';
import { UserEntity } from '../auth/user.entity';
import { DeploymentEntity } from './deployment.entity';
import { MailboxEntity } from './mailbox.entity';
import { ProfileEntity } from './profile.entity';
import { PublicationEntity } from './publication.entity';

export { AuditEventEntity, DeploymentEntity, MailboxEntity, ProfileEntity, PublicationEntity, UserEntity, UserTokenEntity };
export const CONFIG_ENTITIES = [
  ProfileEntity, DeploymentEntity, MailboxEntity, PublicationEntity, UserEntity, UserTokenEntity, AuditEventEntity,
];
