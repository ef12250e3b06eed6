import { DeploymentEntity } from './deployment.entity';
import { MailboxEntity } from './mailbox.entity';
import { ProfileEntity } from './profile.entity';
import { PublicationEntity } from './publication.entity';

export { DeploymentEntity, MailboxEntity, ProfileEntity, PublicationEntity };
export const CONFIG_ENTITIES = [ProfileEntity, DeploymentEntity, MailboxEntity, PublicationEntity];
